"""zookeeper"""
