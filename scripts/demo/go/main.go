// Run the generated Go SDK for logreg_iris on three flowers and show a checked error.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"

	"example.com/demo/logregiris"
)

func main() {
	m, err := logregiris.New()
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	cfg := m.Config()
	fmt.Printf("threads (intra, inter): (%d, %d), spinning: %v\n", cfg.IntraOpThreads, cfg.InterOpThreads, cfg.AllowSpinning)
	x := []float32{5.1, 3.5, 6.2, 3.4, 7.7, 2.6}
	out, err := m.Run(context.Background(), logregiris.Inputs{FloatInput: logregiris.NewTensor(x, 3, 2)})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("label:", out.Label.Data)
	for i, p := range out.Probabilities {
		fmt.Printf("  row %d: %v\n", i, p)
	}
	_, err = m.Run(context.Background(), logregiris.Inputs{FloatInput: logregiris.NewTensor(x, 2, 3)})
	var inErr *logregiris.InputError
	if errors.As(err, &inErr) {
		fmt.Printf("checked error (%s): %v\n", inErr.Kind, inErr)
	}
}
