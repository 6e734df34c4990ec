"""Records, dates, vocabulary and configuration: plain values, no files or terminals."""
