module github.com/tapbot/tapbot/deploy

go 1.26.8
