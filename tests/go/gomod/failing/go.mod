module gojit.test/failing

go 1.27
