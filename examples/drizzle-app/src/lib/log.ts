/** The app's logger: silent unless LOG_LEVEL=debug (the harness keeps it quiet). */
const enabled = process.env.LOG_LEVEL === 'debug';

export const logger = {
  debug: (message: string, context?: Record<string, unknown>) => {
    if (enabled) console.debug(message, context ?? {});
  },
  warn: (message: string, context?: Record<string, unknown>) => {
    if (enabled) console.warn(message, context ?? {});
  },
};
