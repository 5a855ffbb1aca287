module gojit.test/interrupt

go 1.27
