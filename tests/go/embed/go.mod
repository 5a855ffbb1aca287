module gojit.test/embed

go 1.27
