// The syntaxes inputs can have (src/runbook/syntax/): label selectors against the cases of
// k8s.io/apimachinery/pkg/labels' own tests (TestSelectorParse, TestLexerSequence, TestParserLookahead
// and the selector table), label keys and values, fetched URLs and the JSONPath of waits.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { syntaxProblem } from '../../src/runbook/syntax/registry.ts';

const problem = (format: string, text: string) => syntaxProblem(format, text);

describe('label-selector', () => {
  const good = [
    'x=a,y=b,z=c',
    'x!=a,y=b',
    'x=',
    'x= ',
    'x=,z= ',
    'x= ,z= ',
    '!x',
    'x>1',
    'x>1,z<5',
    '\rx',
    'this-is-a-dns.domain.com/key-with-dash',
    'this-is-another-dns.domain.com/key-with-dash in (so,what)',
    '0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)',
    'foo  in\t (abc)',
    'x notin\n (abc)',
    'x in (abc,)',
    'x in ()',
    'x in (a,,a,,a,,a,,)',
    'x notin (abc,,def),bar,z in (),w',
    'x,y in (a)',
    'x=a,y!=b,z in (h,i,j)',
    'x notin ( )',
    'x notin (, a)',
    'a ',
    'a in (x,y,notin, z,in)',
    'notin=in',
    'x==a',
    'topology.kubernetes.io/region=eu-west',
  ];
  const bad = [
    'x=a||y=b',
    'x==a==b',
    '!x=a',
    'x<a',
    'x,,y',
    ',x,y',
    'x nott in (y)',
    'a in (xyz),',
    'a in (xyz)b notin ()',
    'a in (xyz abc)',
    'a notin(',
    'a (',
    '(',
    'x>99999999999999999999',
    'Topology.kubernetes.io/zone=a',
    'a/b/c=d',
    '/a=b',
    'a=-b',
    `a=${'v'.repeat(64)}`,
    'x in (a b)',
  ];
  for (const text of good)
    it(`accepts ${JSON.stringify(text)}`, () => assert.equal(problem('label-selector', text), undefined));
  for (const text of bad) {
    it(`refuses ${JSON.stringify(text)}`, () => assert.match(problem('label-selector', text) ?? '', /label/));
  }

  it('refuses a selector that would select everything', () => {
    assert.match(problem('label-selector', ' ') ?? '', /no requirement, so it would select every object/);
  });

  it('says where in the selector the problem is', () => {
    assert.equal(
      problem('label-selector', 'app in (a,b'),
      'is not a valid label selector: found the end, expected: "," or ")" (character 12 of "app in (a,b"); ' +
        'write it like app=web,tier!=db',
    );
    assert.match(
      problem('label-selector', 'rank>high') ?? '',
      /">" compares with an integer, got "high" \(character 6/,
    );
  });
});

describe('label-key and label-value', () => {
  it('accept what Kubernetes accepts', () => {
    for (const key of ['app', 'topology.kubernetes.io/region', 'A_b-c.d', 'x'.repeat(63)]) {
      assert.equal(problem('label-key', key), undefined, key);
    }
    for (const value of ['', 'eu-west', 'A_b.1', 'v'.repeat(63)])
      assert.equal(problem('label-value', value), undefined);
  });

  it('refuse the rest, saying why', () => {
    assert.match(problem('label-key', 'a//b') ?? '', /more than one "\/"/);
    assert.match(problem('label-key', 'Example.com/a') ?? '', /prefix .* must be a DNS subdomain/);
    assert.match(problem('label-key', 'a/') ?? '', /empty name after "\/"/);
    assert.match(problem('label-key', '-a') ?? '', /must consist of alphanumeric/);
    assert.match(problem('label-key', 'x'.repeat(64)) ?? '', /longer than 63/);
    assert.match(problem('label-value', 'eu west') ?? '', /must be empty or consist of/);
    assert.match(problem('label-value', 'v'.repeat(64)) ?? '', /longer than 63/);
  });
});

describe('http-url', () => {
  it('accepts http and https URLs with a host', () => {
    for (const url of ['http://127.0.0.1:9090', 'https://user:pass@shop.example.com/healthz?x=1', 'HTTP://a']) {
      assert.equal(problem('http-url', url), undefined, url);
    }
  });

  it('refuses what cannot be fetched', () => {
    assert.match(problem('http-url', 'ftp://a/b') ?? '', /\(scheme ftp\)$/);
    assert.match(problem('http-url', 'shop.example.com') ?? '', /must be an http:\/\/ or https:\/\/ URL, got/);
    assert.match(problem('http-url', 'https://a b') ?? '', /without spaces/);
    assert.match(problem('http-url', 'https:/a') ?? '', /with a host/);
    assert.match(problem('http-url', 'http://[::1') ?? '', /must be an http/);
  });
});

describe('jsonpath', () => {
  it('accepts what a wait evaluates', () => {
    for (const path of ['{.status.phase}', '.status.phase', '{.status.conditions[?(@.type=="Ready")].status}']) {
      assert.equal(problem('jsonpath', path), undefined, path);
    }
  });

  it('refuses the rest, with the character', () => {
    assert.match(problem('jsonpath', '{..x}') ?? '', /recursive descent \(\.\.\) is not supported at character 3/);
    assert.match(problem('jsonpath', '{.items[0:2]}') ?? '', /slices and unions are not supported/);
  });
});

it('a format that is not ours is not checked', () => assert.equal(problem('date-time', 'no'), undefined));
