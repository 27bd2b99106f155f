"""Workloads: request arrival patterns and the data plane that turns them into task utilization."""
