# The line the watch suite changes: what GET / answers.
GREETING = "Hello from the Python app"
