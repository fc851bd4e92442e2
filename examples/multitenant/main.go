// Command multitenant runs the example of package multitenant: go run ./examples/multitenant
package main

import (
	"log"
	"os"

	"github.com/memrel-go/memrel/examples/internal/multitenant"
)

func main() {
	if err := multitenant.Run(os.Stdout); err != nil {
		log.Fatal(err)
	}
}
