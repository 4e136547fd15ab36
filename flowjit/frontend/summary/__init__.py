"""TF1 summaries: summary ops' protos, event files (FileWriter) and their read-back."""
