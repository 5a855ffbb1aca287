module gojit.test/progs

go 1.27
