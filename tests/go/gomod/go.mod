module gojit.test/gomod

go 1.27
