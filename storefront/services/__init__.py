"""Service layer: typed functions between the views and the Sendy client."""
