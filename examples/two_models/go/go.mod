module example.com/twomodels

go 1.24

require example.com/twomodels/sdk v0.0.0

require github.com/yalue/onnxruntime_go v1.27.0 // indirect

// The SDK sdkgen generates from sdkgen.yaml.
replace example.com/twomodels/sdk => ./sdk
