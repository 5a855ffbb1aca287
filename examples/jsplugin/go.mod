module gojit.example/jsplugin

go 1.27
