package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"gongji/api"
	"gongji/config"
	"gongji/domain"
)

func runToken(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	role := fs.String("role", "", "insured, reviewer, institution or admin")
	sub := fs.String("sub", "", "ID number, staff id or institution code")
	ttl := fs.Duration("ttl", 24*time.Hour, "how long the token is valid")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	if err := cfg.RequireJWTSecret(); err != nil {
		return err
	}
	token, err := api.IssueToken([]byte(cfg.JWTSecret), domain.Role(*role), *sub, *ttl, time.Now())
	if err != nil {
		return err
	}
	fmt.Println(token)
	return nil
}
