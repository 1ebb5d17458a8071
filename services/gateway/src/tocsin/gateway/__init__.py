"""The gateway: gRPC and the AWS-compatible HTTP API in front of every service."""
