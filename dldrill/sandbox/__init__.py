"""The sandbox: run a submission in a confined child process and talk to it safely."""
