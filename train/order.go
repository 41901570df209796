package train

import (
	"fmt"

	"scorenet/internal/seeds"
)

// batchOrder yields training batches: the concatenation of one random
// permutation of the training set per epoch, cut into consecutive batches.
// Epoch e's permutation depends only on the seed and e, so batch k can be
// found from k alone and a resumed run draws exactly the batches an
// uninterrupted one would.
type batchOrder struct {
	seed  uint64
	n     int
	epoch int
	perm  []int
}

func newBatchOrder(seed uint64, n int) *batchOrder {
	return &batchOrder{seed: seed, n: n, epoch: -1}
}

// batch writes the indices of batch k (0-based) into idx.
func (b *batchOrder) batch(k int, idx []int) {
	pos := k * len(idx)
	for i := range idx {
		e, r := (pos+i)/b.n, (pos+i)%b.n
		if e != b.epoch {
			b.perm = seeds.NewIndexed(b.seed, seeds.Shuffle, uint64(e)).Perm(b.n)
			b.epoch = e
		}
		idx[i] = b.perm[r]
	}
}

func (b *batchOrder) String() string {
	return fmt.Sprintf("pcg(seed=%d, stream=shuffle<<48|epoch) permutation per epoch, batch k from position k*batch_size", b.seed)
}
