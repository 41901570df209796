import json,struct,sys,hashlib
def load(p):
    b=open(p,'rb').read(); n=struct.unpack('<Q',b[:8])[0]; h=json.loads(b[8:8+n]); return h,b[8+n:]
h1,d1=load(sys.argv[1]); h2,d2=load(sys.argv[2])
m1=h1.pop('__metadata__',{}); m2=h2.pop('__metadata__',{})
print('data same' if d1==d2 else 'DATA DIFF', 'tensors same' if h1==h2 else 'TENSORS DIFF')
for k in sorted(set(m1)|set(m2)):
    if m1.get(k)!=m2.get(k): print(' meta',k, str(m1.get(k))[:100], '|', str(m2.get(k))[:100])
