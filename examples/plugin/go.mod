module gojit.example/plugin

go 1.27
