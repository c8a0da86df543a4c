module github.com/gocnn/gocnn

go 1.26.0

require golang.org/x/sys v0.50.0
