#!/usr/bin/env python3
# (Not named token.py: that would shadow the standard library module next to the other scripts.)
"""Prints the creation code of a minimal ERC-20 token for the end-to-end tests (test code).

There is no Solidity compiler on the test machine, and the tests need only two functions, so the
token is assembled here from EVM opcodes: balanceOf(address) and transfer(address,uint256), which
emits Transfer and REVERTS when the sender's balance is too low (the failed-withdrawal test needs
exactly that). The deployer receives the whole supply. Balances live at storage slot = address.
"""
import sys

OP = {"STOP": 0x00, "ADD": 0x01, "SUB": 0x03, "LT": 0x10, "EQ": 0x14, "SHR": 0x1C, "CALLER": 0x33,
      "CALLDATALOAD": 0x35, "CODECOPY": 0x39, "MSTORE": 0x52, "SLOAD": 0x54, "SSTORE": 0x55,
      "JUMPI": 0x57, "JUMPDEST": 0x5B, "DUP1": 0x80, "DUP2": 0x81, "DUP3": 0x82, "SWAP1": 0x90,
      "LOG3": 0xA3, "RETURN": 0xF3, "REVERT": 0xFD}
TRANSFER_TOPIC = 0xDDF252AD1BE2C89B69C2B068FC378DAA952BA7F163C4A11628F55A4DF523B3EF  # keccak("Transfer(address,address,uint256)")


def assemble(program):
    """program: opcode names, ("PUSH", n, value), ("LABEL", name), ("PUSHLABEL", name)."""
    def size(item):
        if isinstance(item, str):
            return 1
        return {"PUSH": 1 + (item[1] if item[0] == "PUSH" else 0), "LABEL": 0, "PUSHLABEL": 3}[item[0]]
    labels, pc = {}, 0
    for item in program:
        if isinstance(item, tuple) and item[0] == "LABEL":
            labels[item[1]] = pc
        pc += size(item)
    out = bytearray()
    for item in program:
        if isinstance(item, str):
            out.append(OP[item])
        elif item[0] == "PUSH":
            out.append(0x5F + item[1])
            out += item[2].to_bytes(item[1], "big")
        elif item[0] == "PUSHLABEL":
            out.append(0x61)
            out += labels[item[1]].to_bytes(2, "big")
    return bytes(out)


def push(n, v):
    return ("PUSH", n, v)


RUNTIME = assemble([
    push(1, 0), "CALLDATALOAD", push(1, 0xE0), "SHR",
    "DUP1", push(4, 0xA9059CBB), "EQ", ("PUSHLABEL", "transfer"), "JUMPI",
    "DUP1", push(4, 0x70A08231), "EQ", ("PUSHLABEL", "balance_of"), "JUMPI",
    ("LABEL", "fail"), "JUMPDEST", push(1, 0), "DUP1", "REVERT",
    ("LABEL", "balance_of"), "JUMPDEST",
    push(1, 4), "CALLDATALOAD", "SLOAD", push(1, 0), "MSTORE", push(1, 32), push(1, 0), "RETURN",
    ("LABEL", "transfer"), "JUMPDEST",
    push(1, 36), "CALLDATALOAD", "CALLER", "SLOAD",          # amount, balance
    "DUP2", "DUP2", "LT", ("PUSHLABEL", "fail"), "JUMPI",    # balance < amount: revert
    "DUP2", "SWAP1", "SUB", "CALLER", "SSTORE",              # balance[caller] -= amount
    push(1, 4), "CALLDATALOAD", "DUP1", "SLOAD", "DUP3", "ADD", "SWAP1", "SSTORE",  # balance[to] += amount
    push(1, 0), "MSTORE",                                    # log data: amount
    push(1, 4), "CALLDATALOAD", "CALLER", push(32, TRANSFER_TOPIC), push(1, 32), push(1, 0), "LOG3",
    push(1, 1), push(1, 0), "MSTORE", push(1, 32), push(1, 0), "RETURN",
])


def creation_code(supply):
    prefix_len = 50  # the constructor below, in bytes
    constructor = assemble([
        push(32, supply), "CALLER", "SSTORE",
        push(2, len(RUNTIME)), push(2, prefix_len), push(1, 0), "CODECOPY",
        push(2, len(RUNTIME)), push(1, 0), "RETURN",
    ])
    assert len(constructor) == prefix_len, len(constructor)
    return constructor + RUNTIME


if __name__ == "__main__":
    supply = int(sys.argv[1]) if len(sys.argv) > 1 else 10**24
    print("0x" + creation_code(supply).hex())
