"""Amazon ECS on Fargate: task definitions, task lifecycle, the service scheduler, placement."""
