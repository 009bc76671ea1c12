package ortrt

import (
	"math"
	"testing"
)

func TestFloat16Bits(t *testing.T) {
	for _, c := range []struct {
		f    float32
		bits uint16
	}{
		{0, 0x0000}, {float32(math.Copysign(0, -1)), 0x8000}, {1, 0x3c00}, {-2, 0xc000},
		{65504, 0x7bff},                       // the largest finite half
		{65520, 0x7c00},                       // rounds up to +Inf
		{float32(math.Inf(-1)), 0xfc00},       // -Inf
		{5.960464477539063e-08, 0x0001},       // the smallest subnormal half
		{6.103515625e-05, 0x0400},             // the smallest normal half
		{1 + 1.0/2048, 0x3c00},                // a tie rounds to even (down)
		{1 + 3.0/2048, 0x3c02},                // a tie rounds to even (up)
		{0.333251953125, 0x3555},              // exact
		{float32(math.NaN()), 0x7e00},         // a quiet NaN
		{2.980232238769531e-08 * 0.5, 0x0000}, // below half the smallest subnormal
	} {
		if got := Float16Bits(c.f); got != c.bits {
			t.Errorf("Float16Bits(%g) = %#04x, want %#04x", c.f, got, c.bits)
		}
	}
	for h := 0; h < 1<<16; h++ { // every non-NaN half survives a round trip
		f := Float16FromBits(uint16(h))
		if f == f && Float16Bits(f) != uint16(h) {
			t.Fatalf("round trip of %#04x: %g -> %#04x", h, f, Float16Bits(f))
		}
	}
}

func TestBFloat16Bits(t *testing.T) {
	for _, c := range []struct {
		f    float32
		bits uint16
	}{
		{1, 0x3f80}, {-2, 0xc000}, {float32(math.Inf(1)), 0x7f80},
		{math.Float32frombits(0x3f808000), 0x3f80}, // a tie rounds to even (down)
		{math.Float32frombits(0x3f818000), 0x3f82}, // a tie rounds to even (up)
	} {
		if got := BFloat16Bits(c.f); got != c.bits {
			t.Errorf("BFloat16Bits(%g) = %#04x, want %#04x", c.f, got, c.bits)
		}
	}
	if f := BFloat16FromBits(BFloat16Bits(float32(math.NaN()))); f == f {
		t.Error("NaN did not stay a NaN")
	}
	for h := 0; h < 1<<16; h++ {
		f := BFloat16FromBits(uint16(h))
		if f == f && BFloat16Bits(f) != uint16(h) {
			t.Fatalf("round trip of %#04x", h)
		}
	}
}
