// Command shop runs the example of package shop: go run ./examples/shop
package main

import (
	"log"
	"os"

	"github.com/memrel-go/memrel/examples/internal/shop"
)

func main() {
	if err := shop.Run(os.Stdout); err != nil {
		log.Fatal(err)
	}
}
