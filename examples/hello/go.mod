module gojit.example/hello

go 1.27
