"""The client: Session, which prunes, optimizes, compiles and runs what the fetches need."""
