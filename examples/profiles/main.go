// Command profiles runs the example of package profiles: go run ./examples/profiles
package main

import (
	"log"
	"os"

	"github.com/memrel-go/memrel/examples/internal/profiles"
)

func main() {
	if err := profiles.Run(os.Stdout); err != nil {
		log.Fatal(err)
	}
}
