import { z } from 'zod';
import { must } from './zod-messages.ts';

/**
 * Pack and provider ids name directories and files and become natural keys on gateway hosts
 * (group `deepseek`, account `deepseek#…`), so they are kept to a portable slug.
 */
export const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

export const idSchema = z
  .string(must('a string'))
  .regex(ID_PATTERN, 'must be 1-64 lowercase letters, digits or dashes, not starting with a dash');
