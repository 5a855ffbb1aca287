module gojit.test/helpers

go 1.27
