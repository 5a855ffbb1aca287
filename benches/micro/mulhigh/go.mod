module mulhigh

go 1.27
