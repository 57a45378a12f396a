package main

import (
	"fmt"

	"github.com/chaintap/chaintap/config"
	"github.com/chaintap/chaintap/decode"
)

// buildDecoder assembles a chain's ABI registry: the standard token
// interfaces it decodes at any address, and its configured contracts.
func buildDecoder(ch config.Chain, m *decode.Metrics) (*decode.Decoder, error) {
	contracts, err := chainContracts(ch)
	if err != nil {
		return nil, err
	}
	reg, err := decode.NewRegistry(contracts...)
	if err != nil {
		return nil, fmt.Errorf("chain %s: %w", ch.Name, err)
	}
	return decode.NewDecoder(reg, m), nil
}

// chainContracts are the ABIs a chain's events are decoded with: the
// standard token interfaces it enables and its configured contracts.
func chainContracts(ch config.Chain) ([]decode.Contract, error) {
	standards := decode.Builtin
	if ch.Standards != nil {
		standards = *ch.Standards
	}
	var contracts []decode.Contract
	for _, s := range standards {
		c, err := decode.BuiltinContract(s)
		if err != nil {
			return nil, fmt.Errorf("chain %s: %w", ch.Name, err)
		}
		contracts = append(contracts, c)
	}
	for _, cc := range ch.Contracts {
		c, err := decode.LoadContract(cc.Name, cc.Address, cc.ABI)
		if err != nil {
			return nil, fmt.Errorf("chain %s: %w", ch.Name, err)
		}
		contracts = append(contracts, c)
	}
	return contracts, nil
}
