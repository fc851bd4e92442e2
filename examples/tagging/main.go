// Command tagging runs the example of package tagging: go run ./examples/tagging
package main

import (
	"log"
	"os"

	"github.com/memrel-go/memrel/examples/internal/tagging"
)

func main() {
	if err := tagging.Run(os.Stdout); err != nil {
		log.Fatal(err)
	}
}
