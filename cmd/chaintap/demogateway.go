package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/battery"
	"github.com/chaintap/chaintap/config"
	"github.com/chaintap/chaintap/contracts"
	"github.com/chaintap/chaintap/decode"
	"github.com/chaintap/chaintap/devchain"
	"github.com/chaintap/chaintap/gateway"
	"github.com/chaintap/chaintap/httpapi"
	"github.com/chaintap/chaintap/kafka"
)

// writeBackGroup is the write-back's consumer group: its offsets say which
// enriched sessions were handed to the gateway.
const writeBackGroup = "_chaintap.demo.writeback"

// demoGateway is up's transaction gateway: the one nonce authority for
// every key the demo sends with from outside the fleet's own traffic (the
// gateway's charging station) and for the battery owners' keys, which
// the page's lock and unlock and the fleet's simulated owners share.
type demoGateway struct {
	gw    *gateway.Service
	fleet *devchain.Fleet
}

// ownerSender names the gateway's sender for the fleet's owner k.
func ownerSender(k int) string { return fmt.Sprintf("owner-%d", k) }

// startDemoGateway builds the gateway, hands it the fleet's owner traffic
// and closes the demo's loop: the write-back records every unblocked
// enriched session's charge on the chain through it. The page's Locker is
// the returned value.
func startDemoGateway(ctx context.Context, g *errgroup.Group, c *devchain.Chain, fleet *devchain.Fleet, chain config.Chain, kcfg kafka.Config,
	reg prometheus.Registerer, log *slog.Logger, out io.Writer) (*demoGateway, error) {
	station, err := fleet.GatewayStation(ctx)
	if err != nil {
		return nil, err
	}
	var cs []decode.Contract
	for _, d := range []struct {
		name string
		addr common.Address
		abi  []byte
	}{{registryName, fleet.Registry(), contracts.BatteryRegistryABI}, {"DemoToken", fleet.Token(), contracts.DemoTokenABI}} {
		ct, err := decode.ParseContract(d.name, d.addr.Hex(), d.abi)
		if err != nil {
			return nil, err
		}
		cs = append(cs, ct)
	}
	signers := map[string]gateway.Signer{"station": gateway.NewKeySigner(station)}
	for k, key := range fleet.OwnerKeys() {
		signers[ownerSender(k)] = gateway.NewKeySigner(key)
	}
	gcfg := gateway.Config{Chain: chain.Name, Kafka: kcfg, Contracts: cs, Signers: signers}
	if chain.Confirmations != nil {
		gcfg.Confirmations = *chain.Confirmations // the follower's confirmed depth
	}
	gw, err := gateway.New(gcfg, c.Client(), log, reg)
	if err != nil {
		return nil, err
	}
	d := &demoGateway{gw: gw, fleet: fleet}
	fleet.SendOwnersVia(d)
	wb := battery.WriteBack{Kafka: kcfg, Group: writeBackGroup, From: "station", Contract: registryName, Gateway: gw, Log: log}
	g.Go(func() error { return gw.Run(ctx) })
	g.Go(func() error { return wb.Run(ctx) })
	fmt.Fprintf(out, "  transaction gateway: the charge write-back, the page's lock/unlock and the owners' traffic (receipts in %s)\n",
		gw.Topics().Receipts)
	return d, nil
}

// CallAs is the fleet's Outbox: the owners' simulated traffic, accepted
// by the gateway under a fresh idempotency key (each call is a new intent).
func (d *demoGateway) CallAs(ctx context.Context, owner int, contract, method string, args ...any) error {
	_, err := d.submit(ctx, ownerSender(owner), contract, method, args...)
	return err
}

// SetBlocked is the page's Locker: lock or unlock as the battery's owner,
// or as from when it is another owner's address, and wait until mined.
func (d *demoGateway) SetBlocked(ctx context.Context, battery, from string, blocked bool) (httpapi.Sent, error) {
	if !common.IsHexAddress(battery) {
		return httpapi.Sent{}, fmt.Errorf("%w: %q is not a battery id (an 0x-address)", chaintap.ErrInvalid, battery)
	}
	b := common.HexToAddress(battery)
	owner, err := d.fleet.OwnerOf(b)
	if err != nil {
		return httpapi.Sent{}, fmt.Errorf("battery %s: %w", b.Hex(), err)
	}
	sender := ownerSender(owner)
	if from != "" {
		if sender, err = d.senderOf(from); err != nil {
			return httpapi.Sent{}, err
		}
	}
	method := "unlock"
	if blocked {
		method = "lock"
	}
	st, err := d.submit(ctx, sender, registryName, method, b)
	if err != nil {
		return httpapi.Sent{}, err
	}
	if st, err = d.waitMined(ctx, st.ID); err != nil {
		return httpapi.Sent{}, err
	}
	return httpapi.Sent{RequestID: st.ID, TxHash: st.TxHash, BlockNumber: st.BlockNumber}, nil
}

// senderOf finds the owner sender whose address is from.
func (d *demoGateway) senderOf(from string) (string, error) {
	if common.IsHexAddress(from) {
		a := common.HexToAddress(from)
		for k, key := range d.fleet.OwnerKeys() {
			if crypto.PubkeyToAddress(key.PublicKey) == a {
				return ownerSender(k), nil
			}
		}
	}
	return "", fmt.Errorf("%w: the gateway sends only as the fleet's owners; %q is not one", chaintap.ErrInvalid, from)
}

func (d *demoGateway) submit(ctx context.Context, sender, contract, method string, args ...any) (gateway.State, error) {
	raw := make([]json.RawMessage, len(args))
	for i, a := range args {
		v, err := json.Marshal(argJSON(a))
		if err != nil {
			return gateway.State{}, err
		}
		raw[i] = v
	}
	return d.gw.Submit(ctx, "demo-"+uuid.NewString(), gateway.Request{From: sender, Contract: contract, Method: method, Args: raw})
}

// argJSON is a as the gateway's requests spell it: addresses as 0x-hex,
// integers as decimal strings (exact beyond 64 bits).
func argJSON(a any) any {
	switch v := a.(type) {
	case common.Address:
		return strings.ToLower(v.Hex())
	case fmt.Stringer:
		return v.String()
	}
	return a
}

// errNotMined is a request the gateway finished without mining it.
var errNotMined = errors.New("the gateway did not mine it")

// waitMined polls the gateway until request id is mined (or final). The
// gateway has no subscription for one request; its state is in memory,
// so polling costs a map lookup.
func (d *demoGateway) waitMined(ctx context.Context, id string) (gateway.State, error) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		st, err := d.gw.Get(id)
		if err != nil && !errors.Is(err, gateway.ErrStarting) {
			return st, err
		}
		switch {
		case err != nil:
		case st.Status == gateway.StatusMined || st.Status == gateway.StatusConfirmed:
			if st.Succeeded != nil && !*st.Succeeded {
				return st, fmt.Errorf("%w: transaction %s reverted: %s", chaintap.ErrRefused, st.TxHash, st.RevertReason)
			}
			return st, nil
		case st.Status.Final():
			return st, fmt.Errorf("request %s %s: %s: %w", id, st.Status, st.Error, errNotMined)
		}
		select {
		case <-ctx.Done():
			return st, fmt.Errorf("waiting for request %s to be mined: %w", id, ctx.Err())
		case <-tick.C:
		}
	}
}
