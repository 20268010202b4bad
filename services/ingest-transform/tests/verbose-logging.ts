// Imported after ./environment and before the handler: the module-scope logger reads its level once.
process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
