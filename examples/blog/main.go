// Command blog runs the example of package blog: go run ./examples/blog
package main

import (
	"log"
	"os"

	"github.com/memrel-go/memrel/examples/internal/blog"
)

func main() {
	if err := blog.Run(os.Stdout); err != nil {
		log.Fatal(err)
	}
}
