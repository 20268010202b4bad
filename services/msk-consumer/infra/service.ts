/** The service's name: its stack, its metrics' `service` dimension, its runbooks' prefix. */
export const service = 'msk-consumer';
