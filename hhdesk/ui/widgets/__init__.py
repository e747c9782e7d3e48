"""Small reusable widgets: labels with a role, the agency form, password fields."""
