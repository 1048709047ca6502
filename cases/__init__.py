"""Case intake: checking and protecting what a person gives us about their case."""
