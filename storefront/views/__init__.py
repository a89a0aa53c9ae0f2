"""Views: one blueprint per feature; thin functions over the services."""
