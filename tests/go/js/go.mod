module gojit.test/js

go 1.27
