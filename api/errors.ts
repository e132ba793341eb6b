/** An error with an HTTP status and a reason a client can act on; the one error handler renders it. */
export class ApiError extends Error {
  constructor(readonly statusCode: number, message: string, readonly details?: Record<string, unknown>) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound = (message: string) => new ApiError(404, message);
export const badRequest = (message: string, field?: string) => new ApiError(400, message, field ? { field } : undefined);
