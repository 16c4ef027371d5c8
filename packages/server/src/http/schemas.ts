import { Type } from 'typebox';

/** Every error response (SPEC §2). */
export const ErrorBody = Type.Object({
  error: Type.String(),
  error_description: Type.String(),
});
