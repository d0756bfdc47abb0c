import { describe, expect, it } from 'vitest';
import { checkResponse } from './contract.ts';

describe('checkResponse against openapi/', () => {
  it('accepts a documented response that fits its schema', () => {
    expect(checkResponse('getAssessment', 404, 'application/problem+json; charset=utf-8', { type: 't', title: 'RUN_NOT_FOUND', status: 404, code: 'RUN_NOT_FOUND' })).toEqual([]);
  });
  it('names what does not fit', () => {
    expect(checkResponse('healthz', 200, 'application/json', { status: 'fine' }).join()).toContain('/status');
    expect(checkResponse('getAssessment', 404, 'application/problem+json', { title: 'x' }).join()).toContain('code');
  });
  it('refuses an undocumented status or content type', () => {
    expect(checkResponse('createAssessment', 200, 'application/json', {})).toHaveLength(1);
    expect(checkResponse('createAssessment', 202, 'text/html', {})).toHaveLength(1);
  });
});
