"""The shared chart frame: style, colours, labels and the guard around each chart."""
