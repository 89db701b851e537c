import { JSON_MEDIA_TYPE, Problem, refuseNonUtf8Charset } from '../src';

describe('JSON_MEDIA_TYPE', () => {
  it.each(['application/json', 'application/problem+json', 'application/json; charset=utf-8', 'application/json;charset=UTF-8', 'Application/JSON', 'application/vnd.api+json ; ext=x'])('takes %s', (type) => {
    expect(JSON_MEDIA_TYPE.test(type)).toBe(true);
  });

  it.each(['text/plain', 'application/jsonp', 'application/json-seq', 'application/x-www-form-urlencoded', 'xapplication/json', 'application/json/x'])('does not take %s', (type) => {
    expect(JSON_MEDIA_TYPE.test(type)).toBe(false);
  });
});

describe('refuseNonUtf8Charset', () => {
  it.each([undefined, 'application/json', 'application/json; charset=utf-8', 'application/json; charset="UTF-8"', 'application/json; charset=utf8', 'application/json; foo=bar'])('takes %s', (type) => {
    expect(() => refuseNonUtf8Charset(type)).not.toThrow();
  });

  it.each(['application/json; charset=iso-8859-1', 'application/json; charset="utf-16"', 'application/json; foo=bar; CHARSET=latin1', 'application/json; charset='])('refuses %s with a 415', (type) => {
    let thrown: unknown;
    try {
      refuseNonUtf8Charset(type);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Problem);
    expect((thrown as Problem).status).toBe(415);
    expect((thrown as Problem).body()).toMatchObject({ code: 'unsupported_charset' });
  });
});
