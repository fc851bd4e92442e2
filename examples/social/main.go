// Command social runs the example of package social: go run ./examples/social
package main

import (
	"log"
	"os"

	"github.com/memrel-go/memrel/examples/internal/social"
)

func main() {
	if err := social.Run(os.Stdout); err != nil {
		log.Fatal(err)
	}
}
