module sdkgen.local/gorunner

go 1.22
