module gojit.test/kernels

go 1.27
