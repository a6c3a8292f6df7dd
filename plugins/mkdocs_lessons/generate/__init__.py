"""`lessons generate`: the generated pages as files, for builders that cannot run the plugin."""
