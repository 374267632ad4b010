"""City and province roll-ups: what a county sends upward, checked on arrival."""
