package ortrt

import "math"

// Go has no 16-bit float type and neither does onnxruntime_go: float16 and
// bfloat16 tensors are carried as their bits, converted with these helpers.

// Float16Bits returns the IEEE 754 binary16 bits nearest to f (round to nearest even).
func Float16Bits(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23) & 0xff
	mant := b & 0x7fffff
	switch {
	case exp == 0xff: // Inf or NaN
		if mant != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	case exp-127 > 15: // overflow
		return sign | 0x7c00
	case exp-127 >= -14: // normal
		e := uint32(exp-127+15) << 10
		m := mant >> 13
		r := mant & 0x1fff
		v := e | m
		if r > 0x1000 || (r == 0x1000 && v&1 == 1) {
			v++
		}
		return sign | uint16(v)
	case exp-127 >= -25: // subnormal half
		mant |= 0x800000
		shift := uint32(-(exp - 127) - 14 + 13)
		m := mant >> shift
		r := mant & ((1 << shift) - 1)
		half := uint32(1) << (shift - 1)
		if r > half || (r == half && m&1 == 1) {
			m++
		}
		return sign | uint16(m)
	}
	return sign
}

// Float16FromBits returns the float32 value of the binary16 bits h (exact).
func Float16FromBits(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp != 0:
		return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
	case mant == 0:
		return math.Float32frombits(sign)
	}
	e := uint32(113)
	for mant&0x400 == 0 {
		mant <<= 1
		e--
	}
	return math.Float32frombits(sign | e<<23 | (mant&0x3ff)<<13)
}

// BFloat16Bits returns the bfloat16 bits nearest to f (round to nearest even).
func BFloat16Bits(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 { // NaN: keep it a NaN
		return uint16(b>>16) | 0x40
	}
	b += 0x7fff + (b>>16)&1
	return uint16(b >> 16)
}

// BFloat16FromBits returns the float32 value of the bfloat16 bits h (exact).
func BFloat16FromBits(h uint16) float32 {
	return math.Float32frombits(uint32(h) << 16)
}
